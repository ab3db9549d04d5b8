#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""mkman.py - floc's man pages, from the sources that already say it all.

  section 3: every FLOC_API function, from the comment above it in the
             public headers (include/floc.h, include/floc/*.h).  A comment
             and the declarations under it make one page, named after the
             first (libfabric's grouping: floc_waitall(3) holds the request
             arrays); a nonblocking form (floc_iallreduce, floc_pv_iget)
             goes on its blocking form's page.  Every other symbol gets a
             ".so" page, so that `man floc_iallreduce` works.
  section 1: floc-run(1) and floc-info(1), from their --help.
  section 7: floc(7), from floc.h's opening comment, the settings table
             (floc-info --settings-format man) and the list of pages.

usage: mkman.py --out DIR --version V --date YYYY-MM-DD --include DIR
                --settings FILE --help FILE:NAME [--help FILE:NAME ...]
"""
import argparse
import os
import re
import sys


def esc(text):
    """Text for roff: backslashes escaped, no line starting a request."""
    text = text.replace("\\", "\\e")
    out = []
    for line in text.split("\n"):
        if line.startswith(".") or line.startswith("'"):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def comment_text(raw):
    """The text of a /* ... */ comment, its leading stars gone."""
    body = raw[2:-2]
    lines = []
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("*"):
            line = line[1:]
            if line.startswith(" "):
                line = line[1:]
        lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


DECL = re.compile(r"FLOC_API\s+(.*?);", re.S)
NAME = re.compile(r"(\w+)\s*\(")


def parse_header(path):
    """Groups of (comment text, [(name, prototype)]) in the header's order."""
    src = open(path).read()
    items = []   # ('c', text) | ('d', name, proto) | ('x',)
    i = 0
    n = len(src)
    while i < n:
        if src.startswith("/*", i):
            j = src.index("*/", i) + 2
            items.append(("c", comment_text(src[i:j])))
            i = j
        elif src.startswith("//", i):
            i = src.index("\n", i)
        elif src.startswith("FLOC_API", i) and (i == 0 or src[i - 1] in "\n "):
            m = DECL.match(src, i)
            proto = " ".join(m.group(1).split())
            proto = proto.replace("FLOC_NORETURN ", "")
            name = NAME.search(proto).group(1)
            items.append(("d", name, proto + ";"))
            i = m.end()
        elif src[i].isspace():
            i += 1
        else:
            # anything else (a typedef, a macro, code) ends a group
            j = src.find("\n", i)
            j = n if j < 0 else j + 1
            if src.startswith("#", i):
                while src[j - 2:j] == "\\\n" and j < n:
                    nxt = src.find("\n", j)
                    j = n if nxt < 0 else nxt + 1
            items.append(("x",))
            i = j
    groups = []
    text = None
    cur = None
    for it in items:
        if it[0] == "c":
            text = it[1]
            cur = None
        elif it[0] == "d":
            if cur is None:
                cur = (text or "", [])
                groups.append(cur)
            cur[1].append((it[1], it[2]))
        else:
            text = None
            cur = None
    return groups


def first_sentence(text):
    flat = " ".join(text.split())
    m = re.match(r"(.+?[.:])(\s|$)", flat)
    s = m.group(1) if m else flat
    s = s.rstrip(".:")
    if len(s) > 90:
        s = s[:87].rsplit(" ", 1)[0] + "..."
    return s


def paragraphs(text):
    """roff for a comment: paragraphs at blank lines, '- ' items as bullets."""
    out = []
    para = []

    def flush():
        if para:
            out.append(esc(" ".join(para)))
            para.clear()

    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            flush()
            out.append(".PP")
        elif stripped.startswith("- "):
            flush()
            out.append('.IP \\(bu 2')
            para.append(stripped[2:])
        else:
            para.append(stripped)
    flush()
    while out and out[-1] == ".PP":
        out.pop()
    return "\n".join(out)


def wrap_proto(proto, width=78):
    """A prototype broken at commas, continuation lines under its '('."""
    if len(proto) <= width:
        return [proto]
    open_at = proto.index("(") + 1
    lines = []
    line = proto[:open_at]
    for part in re.split(r"(?<=,) ", proto[open_at:]):
        if len(line) + len(part) + 1 > width and line.strip():
            lines.append(line.rstrip())
            line = " " * open_at + part
        else:
            line = line + ("" if line.endswith("(") else " ") + part if line.strip() else line + part
    lines.append(line)
    return lines


def th(name, section, version, date):
    return ('.TH "%s" "%s" "%s" "floc %s" "floc manual"\n.nh\n.ad l\n'
            % (name.upper(), section, date, version))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def section3(args, pages_out):
    headers = [os.path.join(args.include, "floc.h")]
    sub = os.path.join(args.include, "floc")
    headers += sorted(os.path.join(sub, h) for h in os.listdir(sub) if h.endswith(".h"))
    pages = {}      # page name -> {'header', 'texts': [...], 'protos': [...]}
    order = []
    symbols = {}    # symbol -> page
    pending = []    # (group text, name, proto) of nonblocking forms to place
    for h in headers:
        hname = "floc.h" if h.endswith("/floc.h") and "/floc/" not in h else "floc/" + os.path.basename(h)
        for text, decls in parse_header(h):
            for name, proto in decls:
                pending.append((hname, text, name, proto))
    all_names = {p[2] for p in pending}

    def blocking_form(name):
        for k in range(1, len(name)):
            if name[k] == "i" and name[k - 1] == "_":
                cand = name[:k] + name[k + 1:]
                if cand in all_names and cand != name:
                    return cand
        return None

    # first pass: pages of the groups, blocking forms and others
    group_page = {}
    for hname, text, name, proto in pending:
        if blocking_form(name):
            continue
        key = (hname, text)
        if key not in group_page or not text:
            group_page[key] = name
            if name not in pages:
                pages[name] = {"header": hname, "texts": [], "protos": []}
                order.append(name)
        page = group_page[key]
        if text and text not in pages[page]["texts"]:
            pages[page]["texts"].append(text)
        pages[page]["protos"].append(proto)
        symbols[name] = page
    # second pass: each nonblocking form on its blocking form's page
    for hname, text, name, proto in pending:
        b = blocking_form(name)
        if not b:
            continue
        page = symbols[b]
        if text and text not in pages[page]["texts"]:
            pages[page]["texts"].append(text)
        pages[page]["protos"].append(proto)
        symbols[name] = page

    by_header = {}
    for p in order:
        by_header.setdefault(pages[p]["header"], []).append(p)
    d = os.path.join(args.out, "man3")
    os.makedirs(d, exist_ok=True)
    for p in order:
        pg = pages[p]
        names = [NAME.search(x).group(1) for x in pg["protos"]]
        summary = first_sentence(pg["texts"][0]) if pg["texts"] else p
        out = [th(p, 3, args.version, args.date)]
        out.append(".SH NAME\n%s \\- %s\n" % (", ".join(esc(n) for n in names), esc(summary)))
        out.append(".SH SYNOPSIS\n.nf\n.B #include <floc.h>\n.PP\n")
        for proto in pg["protos"]:
            for line in wrap_proto(proto):
                out.append(esc(line) + "\n")
        out.append(".fi\n")
        if pg["texts"]:
            out.append(".SH DESCRIPTION\n")
            out.append("\n.PP\n".join(paragraphs(t) for t in pg["texts"]) + "\n")
        rets = {x.split("(")[0].split()[0] for x in pg["protos"]}
        out.append(".SH RETURN VALUE\n")
        if rets == {"int"}:
            out.append("Unless the description says otherwise: 0 (FLOC_SUCCESS), or a negative\n"
                       "FLOC_ERR_* code, which\n.BR floc_strerror (3)\nnames; the reason is "
                       "logged (FLOC_LOG_LEVEL=warn shows it).\nNothing in floc aborts.\n")
        else:
            out.append("As the description says.\n")
        out.append(".SH SEE ALSO\n")
        see = [q for q in by_header[pg["header"]] if q != p][:12]
        out.append(",\n".join(".BR %s (3)" % esc(q) for q in see) + (",\n" if see else ""))
        out.append(".BR floc (7)\n")
        write(os.path.join(d, p + ".3"), "".join(out))
    for sym, page in symbols.items():
        if sym != page:
            write(os.path.join(d, sym + ".3"), ".so man3/%s.3\n" % page)
    pages_out.extend((pages[p]["header"], p) for p in order)
    return symbols


def section1(args, name, helptext):
    lines = helptext.rstrip("\n").split("\n")
    head = lines[0]
    summary = head.split(":", 1)[1].strip() if ":" in head else head
    usage = []
    opts = []      # (flags, [description lines])
    prose = []
    for line in lines[1:]:
        if line.startswith("usage:") or (usage and line.startswith("       ") and not opts):
            usage.append(line.replace("usage:", "", 1).strip())
        elif re.match(r"^  ?-", line):
            m = re.match(r"^\s*(\S.*?)(\s{2,}(.*))?$", line)
            opts.append((m.group(1), [m.group(3) or ""]))
        elif opts and re.match(r"^\s{6,}\S", line):
            opts[-1][1].append(line.strip())
        elif line.strip():
            prose.append(line.strip())
    out = [th(name, 1, args.version, args.date)]
    out.append(".SH NAME\n%s \\- %s\n" % (esc(name), esc(summary)))
    out.append(".SH SYNOPSIS\n.nf\n" + "\n".join(esc(u) for u in usage) + "\n.fi\n")
    if prose:
        out.append(".SH DESCRIPTION\n" + esc(" ".join(prose)) + "\n")
    if opts:
        out.append(".SH OPTIONS\n")
        for flags, desc in opts:
            out.append(".TP\n.B %s\n%s\n" % (esc(flags), esc(" ".join(d for d in desc if d))))
    out.append(".SH SEE ALSO\n.BR floc (7),\n.BR %s (1)\n"
               % ("floc-info" if name == "floc-run" else "floc-run"))
    d = os.path.join(args.out, "man1")
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, name + ".1"), "".join(out))


def section7(args, pages):
    src = open(os.path.join(args.include, "floc.h")).read()
    m = re.search(r"/\*\s*\n \* floc\.h - (.*?)\*/", src, re.S)
    intro = comment_text("/*\n * " + m.group(1) + "*/") if m else ""
    first, _, conventions = intro.partition("\n\n")
    out = [th("floc", 7, args.version, args.date)]
    summary = " ".join(first.split()).rstrip(".")
    if "a C11" in summary:   # (floc.h says it is the header of ...)
        summary = summary[summary.index("a C11"):]
    out.append(".SH NAME\nfloc \\- %s\n" % esc(summary))
    out.append(".SH SYNOPSIS\n.nf\n.B #include <floc.h>\n.PP\ncc app.c $(pkg-config --cflags --libs floc)\n"
               "floc-run -n 4 ./app\n.fi\n")
    out.append(".SH DESCRIPTION\n" + paragraphs(conventions) + "\n")
    out.append(".SH ENVIRONMENT\nEvery FLOC_* variable (floc-info shows the values in effect):\n")
    out.append(open(args.settings).read())
    out.append(".SH FUNCTIONS\n")
    by = {}
    for h, p in pages:
        by.setdefault(h, []).append(p)
    for h in sorted(by):
        out.append(".TP\n.I %s\n%s\n" % (esc(h), ",\n".join(".BR %s (3)" % esc(p) for p in by[h])))
    out.append(".SH SEE ALSO\n.BR floc-run (1),\n.BR floc-info (1),\n.BR fi_info (1)\n")
    d = os.path.join(args.out, "man7")
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "floc.7"), "".join(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--settings", required=True)
    ap.add_argument("--help-text", action="append", default=[], metavar="FILE:NAME")
    args = ap.parse_args()
    pages = []
    section3(args, pages)
    for spec in args.help_text:
        path, name = spec.rsplit(":", 1)
        section1(args, name, open(path).read())
    section7(args, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())

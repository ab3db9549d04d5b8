#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh - install what floc needs to build and test, from Debian 12's
# archive (run as root, or with sudo available).  Idempotent: skips the
# install when everything is already there.
set -eu
PKGS="build-essential cmake pkg-config libfabric-dev libfabric-bin libpmix-dev libpmix-bin
      libhwloc-dev hwloc libcmocka-dev openmpi-bin libopenmpi-dev openssh-client procps
      clang libclang-rt-14-dev valgrind slurm-wlm slurm-wlm-basic-plugins nftables iproute2
      python3 python3-dev python3-numpy python3-pytest python3-mpi4py man-db groff-base lmod"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup.sh: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# Packages must not start their services (slurmctld/slurmd without a
# config would look for one over DNS): policy-rc.d says no while we install.
policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  policy=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null

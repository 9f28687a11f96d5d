#!/usr/bin/env bash
# Installs what the tests need from Debian/Ubuntu packages, only where missing:
# ffmpeg + ffprobe (video checks), openssh-server (the real sshd the SSH tests start
# on 127.0.0.1), cloud-init (`cloud-init schema` validates our user data),
# python3-matplotlib (the seed's own arithmetic and colormaps, the exactness oracle),
# a C compiler (the benchmark's reference kernel, the tests' SIGINT counter), and sudo
# (visudo and `sudo -l` check the sudoers rule our cloud-init leaves on rented servers).
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || missing+=(ffmpeg)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null || missing+=(openssh-client)
command -v cloud-init >/dev/null || missing+=(cloud-init)
/usr/bin/python3 -c 'import numpy, matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
command -v cc >/dev/null || missing+=(gcc)
command -v visudo >/dev/null || missing+=(sudo)
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
echo "installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

#!/bin/sh
# Install the django-oauth-toolkit peer's Python packages into .venv/, exactly as
# pinned (with hashes) in requirements.txt. Does nothing when .venv/ was already made
# from this requirements.txt; remove .venv/ to start over.
#
#   sh setup.sh            (needs python3 >= 3.10 with venv, and PyPI or a warm pip cache)
set -eu
cd "$(dirname "$0")"

stamp=.venv/requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

rm -rf .venv
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
echo "$want" > "$stamp"

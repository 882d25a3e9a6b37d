#!/usr/bin/env bash
# Here, before a GPU session's one device run (docs/gpu.md): gather what the bare GPU machine lacks into
# ignored folders that `carry` names. Python 3.12 wheels of the packages it does not have (PyAV, Ultralytics
# and its thop), the pose weights, the fixture clips with their labels and the 30 s 1080p bench clip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# the locked version for Python 3.12: the line marked ">= '3.12'" where the lock splits by Python, else the only one
version() {
  { grep -E "^$1==[^ ]+ ; python_full_version >= '3\.12'" requirements.lock || grep -E "^$1==[^ ;]+ \\\\$" requirements.lock; } \
    | head -1 | sed -E "s/^$1==([^ ;]+).*/\1/"
}
rm -rf .whl .gpu && mkdir -p .whl .gpu/fixtures
for pkg in av ultralytics-opencv-headless ultralytics-thop; do
  v=$(version "$pkg"); [ -n "$v" ] || { echo "no $pkg in requirements.lock" >&2; exit 1; }
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl "$pkg==$v"
done
"$PY" -m models fetch >/dev/null
cp -r ../shared/fixtures/clips .gpu/fixtures/clips
cp ../shared/fixtures/labels.csv .gpu/fixtures/labels.csv
"$PY" -c "import sys; sys.path.insert(0, 'bench'); import speed; speed.make_1080p(30, speed.OUT / 'bench_30s_1080p30.mp4')"
du -sh .whl .gpu models/yolo11n-pose.pt bench/out/bench_30s_1080p30.mp4
echo 'carry: [".whl", ".gpu", "models/yolo11n-pose.pt", "bench/out/bench_30s_1080p30.mp4"]'
echo 'command: bash bench/gpu_check.sh   (timeout_s 540)'

# Sourced by the GPU checks (bench/gpu_check*.sh): on a machine without the project's audio
# libraries, installs the wheels carried in .whl/ (soundfile, cffi, pycparser, soxr, pyloudnorm,
# platformdirs, sounddevice) into /tmp/site, then says which GPU and torch it runs on.
# Sets $py: the Python to run ($PYTHON, else python3).
py=${PYTHON:-python3}
if ! $py -c "import soxr, soundfile, pyloudnorm, platformdirs" 2>/dev/null && ls .whl/*.whl >/dev/null 2>&1; then
    $py -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
fi
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
$py -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

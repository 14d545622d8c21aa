"""The Celery application. Configuration lives in tracker/settings.py under CELERY_*."""

import logging
import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

logger = logging.getLogger(__name__)

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes this worker's heartbeat (its name and queues) to Redis for /healthz, from the
    worker's main process on its timer, so it stops when the worker stops or hangs."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        self.timer_ref = None

    def _beat(self, worker) -> None:
        from pledges.ops import health

        try:
            with health.redis_client(worker.app.conf.broker_url) as client:
                health.record_worker_heartbeat(
                    client,
                    hostname=worker.hostname,
                    queues=list(worker.app.amqp.queues.consume_from or ()),
                )
        except Exception:  # Redis away for a moment: the next beat tries again
            logger.warning("could not write the worker heartbeat", exc_info=True)

    def start(self, worker) -> None:
        if worker.app.conf.task_always_eager:
            return
        from pledges.ops import health

        self._beat(worker)
        self.timer_ref = worker.timer.call_repeatedly(
            health.heartbeat_interval(), self._beat, (worker,), priority=10
        )

    def stop(self, worker) -> None:
        if self.timer_ref is None:
            return
        self.timer_ref.cancel()
        self.timer_ref = None
        from pledges.ops import health

        try:
            with health.redis_client(worker.app.conf.broker_url) as client:
                health.forget_worker(client, hostname=worker.hostname)
        except Exception:
            logger.warning("could not remove the worker heartbeat", exc_info=True)


app.steps["worker"].add(WorkerHeartbeat)

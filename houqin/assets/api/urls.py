"""API of the asset ledger: each sub-area registers its view sets (basename ``assets-<model>``)."""

from rest_framework.routers import SimpleRouter

from . import custody, damage, disposal, ledger, loans, reports, transfers

router = SimpleRouter()
for area in (ledger, transfers, custody, loans, damage, disposal, reports):
    area.register(router)

urlpatterns = router.urls

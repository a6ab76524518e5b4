"""The staff REST API of every CRM domain, under /api/v1/."""

from crm_core.activities import urls as activities
from crm_core.analytics import urls as analytics
from crm_core.commerce import urls as commerce
from crm_core.deals import urls as deals
from crm_core.goals import urls as goals
from crm_core.lists import urls as lists
from crm_core.marketing import urls as marketing
from crm_core.notifications import urls as notifications
from crm_core.parties import urls as parties
from crm_core.proposals import urls as proposals
from crm_core.segments import urls as segments
from crm_core.support import urls as support
from crm_core.workspace import urls as workspace

urlpatterns = [
    *activities.api_urlpatterns,
    *analytics.api_urlpatterns,
    *commerce.api_urlpatterns,
    *deals.api_urlpatterns,
    *goals.api_urlpatterns,
    *lists.api_urlpatterns,
    *marketing.api_urlpatterns,
    *notifications.api_urlpatterns,
    *parties.api_urlpatterns,
    *proposals.api_urlpatterns,
    *segments.api_urlpatterns,
    *support.api_urlpatterns,
    *workspace.api_urlpatterns,
]

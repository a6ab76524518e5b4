"""The staff pages of every CRM domain (each domain lists its own in its urls.py)."""

from crm_core.activities import urls as activities
from crm_core.analytics import urls as analytics
from crm_core.channels import urls as channels
from crm_core.commerce import urls as commerce
from crm_core.deals import urls as deals
from crm_core.goals import urls as goals
from crm_core.history import urls as history
from crm_core.jobs import urls as jobs
from crm_core.lists import urls as lists
from crm_core.marketing import urls as marketing
from crm_core.notifications import urls as notifications
from crm_core.parties import urls as parties
from crm_core.proposals import urls as proposals
from crm_core.segments import urls as segments
from crm_core.support import urls as support
from crm_core.workspace import urls as workspace

urlpatterns = [
    *activities.urlpatterns,
    *analytics.urlpatterns,
    *channels.urlpatterns,
    *commerce.urlpatterns,
    *deals.urlpatterns,
    *goals.urlpatterns,
    *history.urlpatterns,
    *jobs.urlpatterns,
    *lists.urlpatterns,
    *marketing.urlpatterns,
    *notifications.urlpatterns,
    *parties.urlpatterns,
    *proposals.urlpatterns,
    *segments.urlpatterns,
    *support.urlpatterns,
    *workspace.urlpatterns,
]

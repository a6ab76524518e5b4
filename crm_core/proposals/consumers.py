from crm_core.common.watching import StoredJobConsumer
from crm_core.proposals.packages import package_get_for_user


class PackageConsumer(StoredJobConsumer):
    """/ws/document-packages/<pk>/: documents made so far, then "finished", for the package's
    page (whoever sees its proposal may watch it)."""

    getter = package_get_for_user
    group = "package"

from django.urls import path

from crm_core.activities import api, views

urlpatterns = [
    path("contacts/<int:pk>/timeline/", views.contact_timeline_view, name="contact_timeline"),
    path(
        "contacts/<int:pk>/interactions/",
        views.interaction_create,
        name="interaction_create",
    ),
    path("contacts/<int:pk>/stage/", views.contact_stage_view, name="contact_stage"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path(
        "contacts/<int:pk>/notes/",
        views.note_add_view,
        {"kind": "contact"},
        name="contact_note_add",
    ),
    path(
        "companies/<int:pk>/notes/",
        views.note_add_view,
        {"kind": "company"},
        name="company_note_add",
    ),
    path("deals/<int:pk>/notes/", views.note_add_view, {"kind": "deal"}, name="deal_note_add"),
    path("notes/<int:pk>/delete/", views.note_delete_view, name="note_delete"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/new/", views.task_form, name="task_create"),
    path("tasks/<int:pk>/", views.task_form, name="task_edit"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="task_complete"),
]

api_urlpatterns = [
    path("notes/", api.NoteListCreateApi.as_view(), name="api-note-list"),
    path("notes/<int:pk>/", api.NoteDetailApi.as_view(), name="api-note-detail"),
    path("call-task-rule/", api.CallTaskRuleApi.as_view(), name="api-call-task-rule"),
    path(
        "interactions/",
        api.InteractionListCreateApi.as_view(),
        name="api-interaction-list",
    ),
    path(
        "interactions/<int:pk>/",
        api.InteractionDetailApi.as_view(),
        name="api-interaction-detail",
    ),
    path(
        "interactions/<int:pk>/attachments/",
        api.InteractionAttachmentsApi.as_view(),
        name="api-interaction-attachments",
    ),
    path(
        "contacts/<int:pk>/timeline/",
        api.ContactTimelineApi.as_view(),
        name="api-contact-timeline",
    ),
    path("contacts/<int:pk>/stage/", api.ContactStageApi.as_view(), name="api-contact-stage"),
    path(
        "interaction-topics/",
        api.InteractionTopicListApi.as_view(),
        name="api-interaction-topic-list",
    ),
    path(
        "interaction-outcomes/",
        api.InteractionOutcomeListApi.as_view(),
        name="api-interaction-outcome-list",
    ),
    path("tasks/", api.TaskListCreateApi.as_view(), name="api-task-list"),
    path("tasks/<int:pk>/", api.TaskDetailApi.as_view(), name="api-task-detail"),
    path("tasks/<int:pk>/complete/", api.TaskCompleteApi.as_view(), name="api-task-complete"),
]

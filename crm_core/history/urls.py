from django.urls import path

from crm_core.history import views

urlpatterns = [
    path("contacts/<int:pk>/merge/", views.contact_merge, name="contact_merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]

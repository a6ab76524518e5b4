from django.urls import path

from crm_core.goals import api, views

urlpatterns = [
    path("goals/", views.goals_home, name="goals"),
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/grid/", views.goals_grid, name="goals_grid"),
    path("goals/close/", views.goals_close_view, name="goals_close"),
    path("goals/cockpit/", views.goals_cockpit, name="goals_cockpit"),
    path("goals/activity/", views.activity_control, name="activity_control"),
    path("goals/activity/act/", views.activity_act, name="activity_act"),
    path("goals/fiscal-year/", views.fiscal_year_view, name="fiscal_year"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/delete/", views.goal_delete_view, name="goal_delete"),
]

api_urlpatterns = [
    path("goals/", api.GoalListApi.as_view(), name="api-goal-list"),
    path("goals/cockpit/", api.CockpitApi.as_view(), name="api-goal-cockpit"),
    path("goals/<int:pk>/", api.GoalApi.as_view(), name="api-goal"),
]

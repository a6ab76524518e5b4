from django.urls import path, re_path

from crm_core.goals import api
from crm_core.goals.views import bonus
from crm_core.goals.views import goals as views

urlpatterns = [
    path("goals/", views.goals_home, name="goals"),
    path("goals/new/", views.goal_new, name="goal_new"),
    path("goals/grid/", views.goals_grid, name="goals_grid"),
    path("goals/close/", views.goals_close_view, name="goals_close"),
    path("goals/cockpit/", views.goals_cockpit, name="goals_cockpit"),
    path("goals/activity/", views.activity_control, name="activity_control"),
    path("goals/activity/act/", views.activity_act, name="activity_act"),
    path("goals/fiscal-year/", views.fiscal_year_view, name="fiscal_year"),
    path("goals/plans/", bonus.plan_list, name="plan_list"),
    path("goals/plans/new/", bonus.plan_new, name="plan_new"),
    path("goals/plans/<int:pk>/", bonus.plan_detail, name="plan_detail"),
    path("goals/plans/<int:pk>/action/", bonus.plan_action, name="plan_action"),
    path("goals/statements/", bonus.statement_list, name="statement_list"),
    path("goals/statements/close/", bonus.month_close_view, name="month_close"),
    re_path(
        r"^goals/statements/export\.(?P<file_format>csv|xlsx)$",
        bonus.statements_export,
        name="statements_export",
    ),
    re_path(
        r"^goals/statements/(?P<pk>[0-9]+)/(?P<month>[0-9]{4}-[0-9]{2})/$",
        bonus.statement_detail,
        name="statement_detail",
    ),
    re_path(
        r"^goals/statements/(?P<pk>[0-9]+)/(?P<month>[0-9]{4}-[0-9]{2})/acknowledge/$",
        bonus.statement_acknowledge_view,
        name="statement_acknowledge",
    ),
    path("goals/lines/<int:line_pk>/question/", bonus.line_question_view, name="line_question"),
    path(
        "goals/questions/<int:question_pk>/answer/",
        bonus.question_answer_view,
        name="question_answer",
    ),
    path("goals/deals/<int:pk>/credit/", bonus.deal_credit, name="deal_credit"),
    path("goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("goals/<int:pk>/delete/", views.goal_delete_view, name="goal_delete"),
]

api_urlpatterns = [
    path("goals/", api.GoalListApi.as_view(), name="api-goal-list"),
    path("goals/cockpit/", api.CockpitApi.as_view(), name="api-goal-cockpit"),
    path("goals/<int:pk>/", api.GoalApi.as_view(), name="api-goal"),
    path("bonus/plans/", api.PlanListApi.as_view(), name="api-plan-list"),
    path("bonus/plans/<int:pk>/", api.PlanApi.as_view(), name="api-plan"),
    path("bonus/plans/<int:pk>/approve/", api.PlanApproveApi.as_view(), name="api-plan-approve"),
    path("bonus/statements/", api.StatementListApi.as_view(), name="api-statement-list"),
    re_path(
        r"^bonus/statements/(?P<pk>[0-9]+)/(?P<month>[0-9]{4}-[0-9]{2})/$",
        api.StatementApi.as_view(),
        name="api-statement",
    ),
    path("bonus/adjustments/", api.AdjustmentApi.as_view(), name="api-adjustment"),
]

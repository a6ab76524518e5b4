from rest_framework.permissions import BasePermission


class IsStaffUser(BasePermission):
    """Default for every API route: an authenticated member of the company's staff.

    Portal customers are authenticated users too; they are refused here whatever the route.
    """

    message = "This endpoint is for the company's staff."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_staff_member", False))


class IsTeamManager(IsStaffUser):
    message = "Only the owner and administrators manage the team."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.can_manage_team

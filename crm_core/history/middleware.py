from tenants.identity.actor import history_actor_set

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HistoryActorMiddleware:
    """Requests that may write tell the history trigger who the user is, and forget it after
    (a connection outlives a request). Bearer-token API calls are authenticated later, in the
    view, and set the actor there (`BearerTokenAuthentication`)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in UNSAFE or not hasattr(request, "tenant"):
            return self.get_response(request)
        user = getattr(request, "user", None)
        history_actor_set(user.pk if user is not None and user.is_authenticated else None)
        try:
            return self.get_response(request)
        finally:
            history_actor_set(None)

"""Navigation for the role-aware sidebar."""


def navigation(request):
    return {}

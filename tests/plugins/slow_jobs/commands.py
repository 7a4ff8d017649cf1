import time

from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register


@register
class WaitForTest(Command):
    name = "waitForTest"
    description = "Sleeps for the given seconds, then answers them (tests only)"
    authorized = ALL_ROLES
    is_async = True
    params = (Param("seconds", "integer", required=True, description="how long to take"),)

    def execute(self, caller, **p):
        time.sleep(p["seconds"])
        return {"slept": p["seconds"]}

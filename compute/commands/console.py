"""createConsoleEndpoint (CloudStack 4.18+): a console URL and its
single-use token for an instance."""
from cloudstack_ui.api.registry import ALL_ROLES, Command, Param, register
from compute.console.endpoint import console_endpoint
from compute.console.tokens import ConsoleRefused, issue_console_token


@register
class CreateConsoleEndpoint(Command):
    name = "createConsoleEndpoint"
    description = ("Creates a console endpoint for an instance: the URL of its console page and the WebSocket "
                   "token, usable once within consoleproxy.token.lifetime seconds")
    authorized = ALL_ROLES
    response_name = "consoleendpoint"
    params = (Param("virtualmachineid", "uuid", required=True, description="the instance's id"),)

    def execute(self, caller, **p):
        # As CloudStack: a console that will not open (an unknown instance,
        # one not running) answers success=false with the reason in details.
        try:
            _session, token = issue_console_token(caller, p["virtualmachineid"])
        except ConsoleRefused as refused:
            return {"success": False, "details": refused.message}
        return console_endpoint(token)

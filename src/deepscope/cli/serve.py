"""``deepscope serve``: the dashboard for a logdir, in the browser."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape

from .._serve import DEFAULT_HOST, DEFAULT_PORT, ServePlan, lan_url, plan_serve, prepare_server
from ._options import default_logdir


def plan_messages(plan: ServePlan) -> list[str]:
    """What to tell the user before serving: warnings, and a generated token."""
    lines = [f"[yellow]warning:[/yellow] {escape(w)}" for w in plan.warnings]
    if plan.token_generated:
        lines.append(f"token: [bold]{escape(plan.token or '')}[/bold] (generated; pass --token "
                     f"to choose one)")
    return lines


@click.command()
@click.argument("logdir", required=False, type=click.Path(file_okay=False))
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost/::1 requires a token.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int,
              help="Port to listen on (0: any free port).")
@click.option("--token", default=None, envvar="DEEPSCOPE_TOKEN", show_envvar=True,
              help="Require this token on every API request (generated for non-local hosts).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser.")
def serve(logdir: str | None, host: str, port: int, token: str | None, no_browser: bool) -> None:
    """Serve the dashboard for LOGDIR (default: $DEEPSCOPE_LOGDIR or ./deepscope-logs)."""
    console = Console(highlight=False)
    plan = plan_serve(host, port, token)
    server = prepare_server(logdir or default_logdir(), plan)
    for line in plan_messages(plan):
        console.print(line)
    console.print(f"deepscope: serving {escape(logdir or default_logdir())} at "
                  f"[bold]{escape(server.url)}[/bold] (Ctrl+C to stop)", soft_wrap=True)
    other = lan_url(plan.host, server.port, plan.token)
    if other:
        console.print(f"from other machines: [bold]{escape(other)}[/bold]", soft_wrap=True)
    console.file.flush()
    try:
        server.run(open_browser=not no_browser)
    except KeyboardInterrupt:
        pass

# A click command-line tool.
import click


@click.command()
@click.argument("name")
@click.option("--shout", is_flag=True, help="Print in capitals.")
@click.option("--times", default=1, show_default=True, type=int)
def greet(name, shout, times):
    """Greet NAME."""
    msg = f"Hello, {name}!"
    for _ in range(times):
        click.echo(msg.upper() if shout else msg)


if __name__ == "__main__":
    greet()

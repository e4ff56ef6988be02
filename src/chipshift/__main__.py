"""``python -m chipshift`` runs the command-line interface."""

from chipshift.cli.main import run

if __name__ == "__main__":
    run()

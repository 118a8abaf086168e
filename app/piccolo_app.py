from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="app",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "piccolo_migrations"),
    table_classes=table_finder(["app.tables"], exclude_imported=True),
)

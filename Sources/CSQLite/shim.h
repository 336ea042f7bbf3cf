// The system's SQLite 3 (apt libsqlite3-dev; part of the macOS SDK), used only by the optional SQLite index
// backend (target ModelRegistrySQLite, package trait `SQLite`).
#include <sqlite3.h>

SELECT srvname FROM pg_foreign_server WHERE srvname = ?

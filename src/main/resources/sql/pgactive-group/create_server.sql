SELECT format('CREATE SERVER %I FOREIGN DATA WRAPPER pgactive_fdw OPTIONS (host %L, port %L, dbname %L)', ?, ?, ?, ?)

SELECT format('ALTER SERVER %I OPTIONS (SET host %L, SET port %L, SET dbname %L)', ?, ?, ?, ?)

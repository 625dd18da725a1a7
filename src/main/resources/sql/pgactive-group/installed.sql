SELECT to_regproc('pgactive.pgactive_version') IS NOT NULL

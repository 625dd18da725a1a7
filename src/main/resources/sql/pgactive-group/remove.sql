SELECT pgactive.pgactive_remove(force := true)

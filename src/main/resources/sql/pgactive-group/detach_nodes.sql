SELECT pgactive.pgactive_detach_nodes(p_nodes := ARRAY[?]::text[])

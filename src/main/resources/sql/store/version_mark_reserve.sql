INSERT INTO version_mark (id, reserved_up_to) VALUES (1, ?)
ON CONFLICT (id) DO UPDATE SET reserved_up_to = max(reserved_up_to, excluded.reserved_up_to)

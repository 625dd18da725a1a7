SELECT min(at) FROM node_samples WHERE node_id = ?

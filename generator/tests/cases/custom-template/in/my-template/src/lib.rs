//! {{ display_name }} ({{ shop_domain }}, {{ database }}, {{ env_prefix }})

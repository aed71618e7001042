"""The reps' WeChat customers (WeCom 客户联系): each external contact, who follows it, and
the pure rules that map one onto a CRM customer (owner, match keys, shown name)."""

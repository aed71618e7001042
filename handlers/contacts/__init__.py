"""The reps' WeChat customers (WeCom 客户联系): the full sync, the live change events and
how a contact becomes (or joins) a CRM customer."""

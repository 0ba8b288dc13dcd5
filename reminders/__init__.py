"""Reminders through WeChat subscribe messages, and the desk's call list for residents
without WeChat: grants, an outbox of reminders decided once, their delivery."""

"""The goals pages (goals.py: goals, cockpit, activity) and the motivation pages (bonus.py:
plans, statements, a deal's credit and what-if)."""

ADMIN_ROUTES: list = []

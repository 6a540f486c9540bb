async def test_login_then_today(client, login_as):
    await login_as("staff")
    response = await client.get("/")
    assert response.status == 200, await response.text()
    assert "Today" in await response.text()

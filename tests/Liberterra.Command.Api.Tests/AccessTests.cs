using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Storage;
using Liberterra.Command.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Liberterra.Command.Api.Tests;

[Collection(ServerCollection.Name)]
public class AccessTests(ServerFixture server)
{
    private static readonly object Report = new { children = 1 };

    private async Task<HttpResponseMessage> PostAs(string? token, string op, string team) =>
        await Api.PostReport(server.Server.Client(token), op, team, Report, Api.NewKey());

    [Fact]
    public async Task expired_forged_and_misaddressed_tokens_are_refused()
    {
        var op = await Api.DefineOperation(server.Http);
        var otherKey = new TokenIssuer(TestAuth.Issuer, TestAuth.Audience, System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var cases = new Dictionary<string, string>
        {
            ["expired"] = TestAuth.Token(Roles.Admin, "old-admin", [], null, TimeSpan.FromMinutes(10), DateTimeOffset.UtcNow.AddHours(-2)),
            ["forged"] = otherKey.Issue("forger", Roles.Admin, [], null, TimeSpan.FromHours(1)),
            ["wrong audience"] = new TokenIssuer(TestAuth.Issuer, "someone-else", TestAuth.Key).Issue("x", Roles.Admin, [], null, TimeSpan.FromHours(1)),
            ["wrong issuer"] = new TokenIssuer("evil", TestAuth.Audience, TestAuth.Key).Issue("x", Roles.Admin, [], null, TimeSpan.FromHours(1)),
            ["garbage"] = "not.a.token",
        };
        foreach (var (name, token) in cases)
        {
            var response = await PostAs(token, op, "AR-RAID-01");
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {response.StatusCode}");
            await Api.Problem(response);
        }

        Assert.Equal(1, (await Api.Operation(server.Http, op)).LastSeq);
    }

    [Fact]
    public async Task a_team_lead_posts_for_its_own_teams_only_and_learns_nothing_about_others()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "AR-RAID-01", "AR-BCP-01");
        Assert.Equal(HttpStatusCode.Created, (await PostAs(lead, op, "AR-RAID-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostAs(lead, op, "AR-BCP-01")).StatusCode);

        var existing = await PostAs(lead, op, "MK-RAID-02");
        var missing = await PostAs(lead, op, "ZZ-RAID-99");
        var missingOperation = await PostAs(lead, "no-such-operation", "AR-RAID-01");
        Assert.Equal(HttpStatusCode.Forbidden, existing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingOperation.StatusCode);
        // The refusal is the same whether the team exists or not.
        Assert.Equal(Strip(await Api.Problem(existing)), Strip(await Api.Problem(missing)));

        var wall = await PostAs(TestAuth.Token(Roles.Wall), op, "AR-RAID-01");
        Assert.Equal(HttpStatusCode.Forbidden, wall.StatusCode);
        Assert.Equal(2, (await Api.Operation(server.Http, op)).Totals.Children);
    }

    [Fact]
    public async Task a_credential_limited_to_one_operation_reaches_no_other()
    {
        var op = await Api.DefineOperation(server.Http);
        var other = await Api.DefineOperation(server.Http);
        var commander = TestAuth.Token(Roles.Commander, "cmd-one-op", [], op);
        using var http = server.Server.Client(commander);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/operations/{op}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/operations/{other}")).StatusCode);
        var list = await http.GetFromJsonAsync<OperationSummary[]>("/api/operations", Api.Json);
        Assert.Equal([op], list!.Select(o => o.Id));
    }

    [Fact]
    public async Task notes_are_read_by_staff_and_by_the_team_s_own_lead_only()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(server.Server.Client(lead), op, "AR-RAID-01",
            new { children = 2, note = "Back door on the east side" }, Api.NewKey())).StatusCode);

        foreach (var role in Roles.NoteReaders)
        {
            var page = await server.Server.Client(TestAuth.Token(role)).GetFromJsonAsync<TeamReportsPage>($"/api/operations/{op}/teams/AR-RAID-01/reports", Api.Json);
            Assert.Equal("Back door on the east side", page!.Reports.Single().Note);
        }

        var own = await server.Server.Client(lead).GetFromJsonAsync<TeamReportsPage>($"/api/operations/{op}/teams/AR-RAID-01/reports", Api.Json);
        Assert.Equal("Back door on the east side", own!.Reports.Single().Note);
        var stranger = await server.Server.Client(TestAuth.Token(Roles.TeamLead, "MK-RAID-01")).GetAsync($"/api/operations/{op}/teams/AR-RAID-01/reports");
        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.DoesNotContain("east side", await stranger.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task an_admin_issues_credentials_and_nobody_else_can()
    {
        var issued = await server.Http.PostAsJsonAsync("/api/tokens", new { subject = "lead-7", role = "team-lead", teams = new[] { "AR-RAID-01" }, ttl = "2h" });
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var token = (await issued.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        var op = await Api.DefineOperation(server.Http);
        Assert.Equal(HttpStatusCode.Created, (await PostAs(token, op, "AR-RAID-01")).StatusCode);

        var bad = await server.Http.PostAsJsonAsync("/api/tokens", new { subject = "x", role = "team-lead", ttl = "2h" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var byCommander = await server.Server.Client(TestAuth.Token(Roles.Commander)).PostAsJsonAsync("/api/tokens", new { subject = "x", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, byCommander.StatusCode);
    }

    [Fact]
    public async Task every_write_and_refusal_is_audited_without_notes_and_tampering_is_detected()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "lead-audit-test", ["AR-RAID-01"]);
        var note = $"note-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(server.Server.Client(lead), op, "AR-RAID-01", new { children = 1, note }, Api.NewKey())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAs(lead, op, "MK-RAID-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Server.Client(null).GetAsync($"/api/operations/{op}")).StatusCode);
        await using (var hub = await Hubs.Connect(server.Server.Address, lead))
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync(hub, "JoinOperation", op));

        await using var db = NpgsqlDataSource.Create(server.ConnectionString);
        var rows = await Wait.Until(() => Rows(db, op), r => r.Count >= 5, what: "the audit entries");
        Assert.Contains(rows, r => r is { Actor: "lead-audit-test", Outcome: "refused", Status: 403 } && r.Target == op);
        Assert.Contains(rows, r => r is { Actor: "lead-audit-test", Role: "team-lead", Outcome: "allowed", Status: 201 } && r.Target == $"{op}/AR-RAID-01");
        Assert.Contains(rows, r => r is { Actor: "lead-audit-test", Outcome: "refused", Status: 403 } && r.Target == $"{op}/MK-RAID-01");
        Assert.Contains(rows, r => r is { Actor: "anonymous", Outcome: "refused", Status: 401 });
        Assert.All(rows, r => Assert.Equal("127.0.0.1", r.Address));
        await using (var search = db.CreateCommand("SELECT count(*) FROM audit_log WHERE audit_log::text LIKE $1"))
        {
            search.Parameters.Add(new NpgsqlParameter { Value = $"%{note}%" });
            Assert.Equal(0L, await search.ExecuteScalarAsync());
        }

        var audit = new AuditLog(db);
        Assert.True((await audit.VerifyAsync()).Intact);
        Assert.Equal(0, await Cli("audit", "verify", "--connection", server.ConnectionString));

        // Someone with database superuser rights edits an entry behind the application's back.
        var victim = rows.First(r => r.Outcome == "refused").Id;
        await Tamper(db, $"UPDATE audit_log SET actor = 'someone-else' WHERE id = {victim}");
        var broken = await audit.VerifyAsync();
        Assert.False(broken.Intact);
        Assert.Equal(victim, broken.BrokenAt);
        Assert.Equal(1, await Cli("audit", "verify", "--connection", server.ConnectionString));
    }

    [Fact]
    public async Task hostile_text_in_a_refused_call_is_audited_safely_and_loses_no_other_entry()
    {
        var op = await Api.DefineOperation(server.Http);
        var lead = TestAuth.Token(Roles.TeamLead, "lead-hostile-text", ["AR-RAID-01"]);
        await using (var hub = await Hubs.Connect(server.Server.Address, lead))
            await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
                Microsoft.AspNetCore.SignalR.Client.HubConnectionExtensions.InvokeAsync(hub, "JoinOperation", $"\u0000{op}"));
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAs(lead, op, "MK-RAID-01")).StatusCode);

        await using var db = NpgsqlDataSource.Create(server.ConnectionString);
        var rows = await Wait.Until(() => Rows(db, op), r => r.Count(x => x.Actor == "lead-hostile-text") >= 2, what: "both refusals in the audit trail");
        Assert.Contains(rows, r => r.Actor == "lead-hostile-text" && r.Target == op && r.Status == 403);
        Assert.True((await new AuditLog(db).VerifyAsync()).Intact);
    }

    [Fact]
    public async Task a_deleted_audit_entry_is_detected()
    {
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("audit");
        await using var db = NpgsqlDataSource.Create(connectionString);
        var audit = new AuditLog(db);
        await audit.AppendAsync([.. Enumerable.Range(1, 6).Select(i => new AuditEntry(DateTimeOffset.UtcNow, $"actor-{i}", "wall", "GET /x", "-", false, 403, "127.0.0.1", "{}"))]);
        Assert.True((await audit.VerifyAsync()).Intact);

        await Tamper(db, "DELETE FROM audit_log WHERE id = 4");
        var result = await audit.VerifyAsync();
        Assert.Equal(4, result.BrokenAt);
        Assert.Contains("#4 is missing", result.Message);
    }

    [Fact]
    public async Task writers_on_several_silos_racing_keep_one_unbroken_chain()
    {
        // Each silo has its own pool and its own trail; they serialise on the database's lock, not in this process.
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("audit-race");
        var silos = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(connectionString)).ToList();
        try
        {
            await Task.WhenAll(silos.Select((db, s) => Task.Run(async () =>
            {
                var log = new AuditLog(db);
                for (var batch = 0; batch < 25; batch++)
                    await log.AppendAsync([.. Enumerable.Range(0, 1 + batch % 3).Select(i =>
                        new AuditEntry(DateTimeOffset.UtcNow, $"silo-{s}", "team-lead", "POST /x", $"{batch}/{i}", true, 201, "127.0.0.1", "{}"))]);
            })));

            var verified = await new AuditLog(silos[0]).VerifyAsync();
            Assert.True(verified.Intact, verified.Message);
            // 25 batches of 1, 2, 3, 1, 2, ... entries from each of four writers.
            Assert.Equal(4 * Enumerable.Range(0, 25).Sum(b => 1 + b % 3), verified.Entries);
        }
        finally
        {
            foreach (var db in silos) await db.DisposeAsync();
        }
    }

    [Fact]
    public async Task behind_the_balancer_the_audit_trail_records_the_client_address_it_forwards()
    {
        var op = await Api.DefineOperation(server.Http);
        // What nginx sends (deploy/compose/nginx.conf): the client's address in X-Forwarded-For, from loopback here.
        using var anonymous = server.Server.Client(null);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/operations/{op}");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(request)).StatusCode);

        await using var db = NpgsqlDataSource.Create(server.ConnectionString);
        var rows = await Wait.Until(() => Rows(db, op), r => r.Any(x => x.Status == 401), what: "the refusal's audit entry");
        Assert.Equal("203.0.113.7", rows.Single(r => r.Status == 401).Address);
    }

    private static async Task Tamper(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(
            $"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; {sql}; ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;");
        await cmd.ExecuteNonQueryAsync();
    }

    private sealed record Row(long Id, string Actor, string Role, string Target, string Outcome, int Status, string Address);

    private static async Task<List<Row>> Rows(NpgsqlDataSource db, string op)
    {
        await using var cmd = db.CreateCommand("SELECT id, actor, role, target, outcome, status, address FROM audit_log WHERE target LIKE $1 ORDER BY id");
        cmd.Parameters.Add(new NpgsqlParameter { Value = $"{op}%" });
        await using var reader = await cmd.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5), reader.GetString(6)));
        return rows;
    }

    private static async Task<int> Cli(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.Cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    private static string Strip(JsonObject problem)
    {
        problem.Remove("traceId");
        return problem.ToJsonString();
    }
}

/// <summary>Abuse resistance and logs, each on a server of its own.</summary>
public class AbuseTests
{
    [Fact]
    public async Task rate_limits_engage_per_principal_and_release()
    {
        await using var server = await InProcessServer.StartOnNewDatabaseAsync("limits", "--RateLimits:PermitsPerSecond=2", "--RateLimits:Burst=4");
        using var wall = server.Client(TestAuth.Token(Roles.Wall, "busy-wall", []));
        using var other = server.Client(TestAuth.Token(Roles.Wall, "other-wall", []));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++) statuses.Add((await wall.GetAsync("/api/operations")).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var limited = await wall.GetAsync("/api/operations");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.RetryAfter!.ToString()) >= 1);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);

        // Another principal is not affected, and the limited one is served again once its bucket refills.
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/operations")).StatusCode);
        await Wait.Until(() => wall.GetAsync("/api/operations"), r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "the limit to release");
    }

    [Fact]
    public async Task logs_never_contain_tokens_or_notes()
    {
        var logs = new CapturedLogs();
        var connectionString = await (await PostgresCluster.Shared()).CreateMigratedDatabaseAsync("logs");
        await using var server = await InProcessServer.StartAsync(connectionString, null, (Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        },
            // As an operator turning logging all the way up (appsettings.json quietens these by default).
            "--Logging:LogLevel:Default=Trace", "--Logging:LogLevel:Microsoft.AspNetCore=Trace", "--Logging:LogLevel:Orleans=Trace");
        var op = await Api.DefineOperation(server.Http);
        var token = TestAuth.Token(Roles.TeamLead, "AR-RAID-01");
        var note = $"secret-{Guid.NewGuid():N}";
        Assert.Equal(HttpStatusCode.Created, (await Api.PostReport(server.Client(token), op, "AR-RAID-01", new { children = 1, note }, Api.NewKey())).StatusCode);
        // A browser's WebSocket puts the credential in the query string.
        await server.Client(null).GetAsync($"/api/operations/{op}?access_token={token}");
        await Api.PostReport(server.Client(token), op, "AR-RAID-01", new { children = -1, note }, Api.NewKey());

        var text = logs.Text;
        Assert.True(text.Length > 1000, "nothing was logged: the test would prove nothing");
        Assert.DoesNotContain(note, text);
        var leak = text.IndexOf(token.Split('.')[2], StringComparison.Ordinal);
        Assert.True(leak < 0, "token in the logs: " + (leak < 0 ? "" : text[Math.Max(0, text.LastIndexOf('\n', leak))..Math.Min(text.Length, leak + 40)]));
        Assert.DoesNotContain(token, text);
    }
}

using System.Net;
using System.Net.Http.Json;
using Liberterra.Command.Access;
using Liberterra.Command.Contracts;
using Liberterra.Command.Server.Hosting;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Liberterra.Command.Api.Tests;

/// <summary>
/// A server that trusts two agencies' own OpenID Connect providers (<c>Auth:Issuers</c>), A for AR-PFA and B for
/// BR-PF, besides its built-in issuer, and an operation of those two agencies: AR-PFA shares its teams in summary,
/// BR-PF counts only.
/// </summary>
public sealed class AgencyIssuerFixture : IAsyncLifetime
{
    public const string Ar = "AR-PFA";
    public const string Br = "BR-PF";

    internal TestIssuer A { get; private set; } = null!;
    internal TestIssuer B { get; private set; } = null!;

    /// <summary>A provider the server was not told about.</summary>
    internal TestIssuer Unlisted { get; private set; } = null!;

    public InProcessServer Server { get; private set; } = null!;

    public string Operation { get; } = $"agencies-{Guid.NewGuid():N}"[..16];

    public async Task InitializeAsync()
    {
        A = await TestIssuer.StartAsync();
        B = await TestIssuer.StartAsync();
        Unlisted = await TestIssuer.StartAsync();
        Server = await InProcessServer.StartOnNewDatabaseAsync("agencies", [.. Entry(0, A, Ar), .. Entry(1, B, Br)]);
        var start = DateTimeOffset.UtcNow.Date.AddDays(-1);
        var defined = await Server.Http.PutAsJsonAsync($"/api/operations/{Operation}", new
        {
            name = "Two agencies",
            windowStart = start,
            windowEnd = start.AddDays(6),
            exercise = true,
            regions = TestOperations.TwoRegions,
            agencies = new[]
            {
                new { id = Ar, name = "Policía Federal Argentina", countryCode = "AR", kind = "NationalPolice", shares = "Summary" },
                new { id = Br, name = "Polícia Federal", countryCode = "BR", kind = "NationalPolice", shares = "CountsOnly" },
            },
            teams = new[]
            {
                new { id = "AR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Condor 1", agency = Ar },
                new { id = "AR-RAID-02", kind = "RaidTeam", regionId = "AR", callSign = "Condor 2", agency = Ar },
                new { id = "BR-RAID-01", kind = "RaidTeam", regionId = "AR", callSign = "Onça 1", agency = Br },
                new { id = "BR-RAID-02", kind = "RaidTeam", regionId = "MK", callSign = "Onça 2", agency = Br },
            },
        });
        Assert.True(defined.StatusCode == HttpStatusCode.Created, await defined.Content.ReadAsStringAsync());
    }

    private static string[] Entry(int index, TestIssuer issuer, string agency) =>
    [
        $"--Auth:Issuers:{index}:Authority={issuer.Issuer}",
        $"--Auth:Issuers:{index}:Agency={agency}",
        // Plain HTTP on loopback: a real provider is reached over HTTPS.
        $"--Auth:Issuers:{index}:RequireHttpsMetadata=false",
    ];

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Unlisted.DisposeAsync();
    }
}

public class AgencyIssuerTests(AgencyIssuerFixture fixture) : IClassFixture<AgencyIssuerFixture>
{
    private const string Ar = AgencyIssuerFixture.Ar;
    private const string Br = AgencyIssuerFixture.Br;

    private Task<HttpResponseMessage> Get(string token) =>
        fixture.Server.Client(token).GetAsync($"/api/operations/{fixture.Operation}");

    private async Task<OperationView> View(string token)
    {
        var response = await Get(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<OperationView>(Api.Json))!;
    }

    private static IEnumerable<string> Teams(OperationView view, string? sharing) =>
        view.Teams.Where(t => t.Sharing == sharing).Select(t => t.Id).Order();

    [Fact]
    public async Task a_provider_s_token_without_an_agency_acts_for_the_agency_the_provider_is_configured_with()
    {
        using var a = fixture.Server.Client(fixture.A.Token("wall-ar", Roles.Wall));
        var list = await a.GetFromJsonAsync<OperationSummary[]>("/api/operations", Api.Json);
        Assert.Contains(fixture.Operation, list!.Select(o => o.Id));

        var seenByA = await View(fixture.A.Token("wall-ar", Roles.Wall));
        Assert.Equal(Ar, seenByA.Viewer!.Agency);
        Assert.Equal(["AR-RAID-01", "AR-RAID-02"], Teams(seenByA, null));
        Assert.DoesNotContain(seenByA.Teams, t => t.Id.StartsWith("BR-", StringComparison.Ordinal));

        var seenByB = await View(fixture.B.Token("wall-br", Roles.Wall));
        Assert.Equal(Br, seenByB.Viewer!.Agency);
        Assert.Equal(["BR-RAID-01", "BR-RAID-02"], Teams(seenByB, null));
        Assert.Equal(["AR-RAID-01", "AR-RAID-02"], Teams(seenByB, "Summary"));
    }

    [Fact]
    public async Task a_provider_s_token_claiming_another_agency_is_refused()
    {
        var response = await Get(fixture.A.Token("wall-ar", Roles.Wall, agency: Br));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await Api.Problem(response);
    }

    [Fact]
    public async Task a_provider_s_token_claiming_its_own_agency_is_accepted()
    {
        var view = await View(fixture.A.Token("wall-ar", Roles.Wall, agency: Ar));
        Assert.Equal(Ar, view.Viewer!.Agency);
    }

    [Fact]
    public async Task a_token_is_refused_unless_the_provider_its_iss_names_signed_it_for_this_audience()
    {
        var cases = new Dictionary<string, string>
        {
            ["signed by B, claiming A"] = fixture.B.Token("forger", Roles.Wall, issuer: fixture.A.Issuer),
            ["from an unlisted provider"] = fixture.Unlisted.Token("stranger", Roles.Admin),
            ["from A, for another audience"] = fixture.A.Token("wall-ar", Roles.Wall, audience: "someone-else"),
            // An agency's provider makes no admin (who acts for every agency) and no team lead (whose teams may be anyone's).
            ["an admin from A"] = fixture.A.Token("admin-ar", Roles.Admin),
            ["a team lead from A"] = fixture.A.Token("lead-ar", Roles.TeamLead),
        };
        foreach (var (name, token) in cases)
        {
            var response = await Get(token);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {response.StatusCode}");
            await Api.Problem(response);
        }
    }

    [Fact]
    public async Task the_built_in_issuer_still_works_beside_the_providers()
    {
        var asAdmin = await Api.Operation(fixture.Server.Http, fixture.Operation);
        Assert.Null(asAdmin.Viewer!.Agency);
        Assert.Equal(["AR-RAID-01", "AR-RAID-02", "BR-RAID-01", "BR-RAID-02"], Teams(asAdmin, null));

        var builtInWall = TestAuth.Issuer_.Issue("wall-br-builtin", Roles.Wall, [], null, TimeSpan.FromHours(1), agency: Br);
        Assert.Equal(Br, (await View(builtInWall)).Viewer!.Agency);
    }

    [Fact]
    public async Task a_provider_s_token_joins_the_live_hub_with_its_agency_s_view()
    {
        await using var wall = await Hubs.Connect(fixture.Server.Address, fixture.A.Token("wall-ar", Roles.Wall));
        var snapshot = await wall.InvokeAsync<OperationView>("JoinOperation", fixture.Operation);
        Assert.Equal(Ar, snapshot.Viewer!.Agency);
        Assert.Equal(["AR-RAID-01", "AR-RAID-02"], Teams(snapshot, null));
        Assert.DoesNotContain(snapshot.Teams, t => t.Id.StartsWith("BR-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_provider_s_token_is_found_in_the_hub_s_query_string_and_the_dashboard_s_cookie()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = fixture.Server.Address };
        var wall = fixture.A.Token("wall-ar", Roles.Wall);
        var forged = fixture.B.Token("forger", Roles.Admin, issuer: fixture.A.Issuer);

        Task<HttpResponseMessage> Negotiate(string token) =>
            http.PostAsync($"/hubs/operations/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, (await Negotiate(wall)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Negotiate(forged)).StatusCode);

        // The dashboard is an admin's: a wall's credential is read there, and refused as a wall's.
        Task<HttpResponseMessage> Dashboard(string token)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/ClusterStats");
            request.Headers.Add("Cookie", $"{DashboardCookie.Name}={token}");
            return http.SendAsync(request);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await Dashboard(wall)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Dashboard(forged)).StatusCode);
    }
}

/// <summary><c>Auth:Issuers</c> is checked at start-up: an entry that cannot work stops the server with its reason.</summary>
public class AgencyIssuerConfigurationTests
{
    private static AuthOptions With(params AgencyIssuerOptions[] issuers) => new() { Issuers = [.. issuers] };

    private static AgencyIssuerOptions Entry(string? authority = "https://login.pfa.gob.ar", string? agency = "AR-PFA", string? issuer = null) =>
        new() { Authority = authority, Agency = agency, Issuer = issuer };

    private static string Refusal(AuthOptions auth) => Assert.Throws<InvalidOperationException>(auth.Validate).Message;

    [Fact]
    public void well_formed_providers_pass()
    {
        var auth = With(Entry(), Entry("https://sso.pf.gov.br/realms/ops", "BR-PF"), Entry("http://idp.internal", "MK-MVR"));
        auth.Issuers[2].RequireHttpsMetadata = false;
        Assert.Null(Record.Exception(auth.Validate));
    }

    [Theory]
    [InlineData(null, "AR-PFA", "Auth:Issuers:0: no Authority")]
    [InlineData(" ", "AR-PFA", "Auth:Issuers:0: no Authority")]
    [InlineData("login.pfa.gob.ar", "AR-PFA", "Auth:Issuers:0: the Authority 'login.pfa.gob.ar' is not an http(s) address")]
    [InlineData("http://login.pfa.gob.ar", "AR-PFA", "Auth:Issuers:0: the Authority 'http://login.pfa.gob.ar' is plain HTTP")]
    [InlineData("https://login.pfa.gob.ar", null, "Auth:Issuers:0: the Agency is missing")]
    [InlineData("https://login.pfa.gob.ar", "AR PFA", "Auth:Issuers:0: the Agency 'AR PFA' is not an agency id")]
    public void an_entry_without_a_usable_authority_or_agency_is_refused(string? authority, string? agency, string reason) =>
        Assert.Contains(reason, Refusal(With(Entry(authority, agency))));

    [Fact]
    public void two_entries_with_the_same_issuer_are_refused()
    {
        var sameAddress = Refusal(With(Entry(), Entry("https://login.pfa.gob.ar/", "BR-PF")));
        Assert.Contains("Auth:Issuers:1: its issuer 'https://login.pfa.gob.ar/' is already Auth:Issuers:0's", sameAddress);

        var sameIssuer = Refusal(With(Entry(issuer: "https://pfa"), Entry("https://other", "BR-PF", issuer: "https://pfa")));
        Assert.Contains("Auth:Issuers:1: its issuer 'https://pfa' is already Auth:Issuers:0's", sameIssuer);
    }

    [Fact]
    public void an_entry_with_the_built_in_issuer_s_issuer_is_refused() =>
        Assert.Contains("Auth:Issuers:0: its issuer 'liberterra' is already Auth:Issuer's", Refusal(With(Entry(issuer: "liberterra"))));

    [Fact]
    public void every_problem_is_named_at_once()
    {
        var message = Refusal(With(Entry(authority: null), Entry(agency: "")));
        Assert.Contains("Auth:Issuers:0: no Authority", message);
        Assert.Contains("Auth:Issuers:1: the Agency '' is not an agency id", message);
    }

    [Fact]
    public void the_server_does_not_start_with_an_entry_that_cannot_work()
    {
        var refusal = Assert.Throws<InvalidOperationException>(() => LiberterraServer.Build(
            ["--Silo:Storage=Memory", .. TestAuth.ServerArguments, "--Auth:Issuers:0:Agency=AR-PFA"]));
        Assert.Contains("Auth:Issuers:0: no Authority", refusal.Message);
    }
}

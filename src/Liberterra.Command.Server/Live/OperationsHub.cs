using Liberterra.Command.Contracts;
using Liberterra.Command.Domain;
using Liberterra.Command.Grains;
using Liberterra.Command.Server.Security;
using Liberterra.Command.Server.Views;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Liberterra.Command.Server.Live;

/// <summary>
/// The live picture of an operation. A display joins an operation and gets a snapshot (with its last sequence
/// number), then <see cref="HubMessages.Deltas"/> in sequence order; it applies those above its snapshot's number and
/// joins again (a fresh snapshot) on a gap, a reconnect or a restart. Connecting needs a credential; every method
/// declares its policy with <see cref="HubPolicyAttribute"/>, enforced (and refusals audited) by <see cref="HubAccessFilter"/>.
/// </summary>
[Authorize]
public sealed class OperationsHub(IGrainFactory grains, WallRelay relay, Watchers watchers, Viewpoints viewpoints) : Hub
{
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        watchers.LeaveAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>
    /// Starts receiving the operation's deltas; returns its snapshot. Both are the credential's view: its agency's teams
    /// in full, the others' as they share them (<see cref="Viewpoint"/>).
    /// </summary>
    [HubPolicy(Policies.ReadOperations)]
    public async Task<OperationView> JoinOperation(string operationId)
    {
        if (!OperationRules.IsValidId(operationId) || !Scope.AllowsOperation(Context.User!, operationId))
            throw new HubException("This credential may not watch that operation.");
        if (await Task.WhenAny(relay.Ready, Task.Delay(TimeSpan.FromSeconds(10))) != relay.Ready)
            throw new HubException("This server is still joining the cluster: try again in a moment.");
        var agency = Scope.AgencyOf(Context.User!);
        // The first view of an operation on this silo learns its need-to-know rules before any delta is mapped for it.
        if (agency is not null && !viewpoints.Knows(operationId)
            && await grains.GetGrain<IOperationGrain>(operationId).GetState() is { } known)
            viewpoints.Update(operationId, known.LastSeq, AgencyRules.Of(known));

        // Join first, read second: a delta committed in between arrives with a number the snapshot already covers
        // and is skipped by the display, so nothing falls between the two.
        OperationState? state;
        try
        {
            watchers.Join(Context.ConnectionId, operationId, agency is null ? "" : viewpoints.For(operationId, agency).Key);
            state = await grains.GetGrain<IOperationGrain>(operationId).GetState();
        }
        catch
        {
            // A join that fails for any reason leaves the connection unsubscribed: no delta before a snapshot.
            watchers.Leave(Context.ConnectionId, operationId);
            throw;
        }

        if (state is null)
        {
            watchers.Leave(Context.ConnectionId, operationId);
            throw new HubException($"No operation '{operationId}'.");
        }

        var view = Viewpoint.Of(state, agency);
        viewpoints.Update(operationId, state.LastSeq, view.Rules);
        // The definition read may differ from the one known at the join (a coordinator shares the whole operation's deltas).
        watchers.Join(Context.ConnectionId, operationId, view.Key);
        relay.Joined(operationId, state.LastSeq);
        return state.ToView(view);
    }

    /// <summary>
    /// The operation's last committed sequence number. A display asks now and then: if it is behind and no delta
    /// arrives to close the gap (a delta lost on the way shows no gap until the next one), it joins again.
    /// </summary>
    [HubPolicy(Policies.ReadOperations)]
    public async Task<long> Head(string operationId)
    {
        if (!OperationRules.IsValidId(operationId) || !Scope.AllowsOperation(Context.User!, operationId))
            throw new HubException("This credential may not watch that operation.");
        return await grains.GetGrain<IOperationGrain>(operationId).GetLastSeq();
    }

    /// <summary>Stops receiving the operation's deltas.</summary>
    [HubPolicy(Policies.ReadOperations)]
    public Task LeaveOperation(string operationId)
    {
        if (!OperationRules.IsValidId(operationId)) throw new HubException("operationId: must be an operation id.");
        watchers.Leave(Context.ConnectionId, operationId);
        return Task.CompletedTask;
    }
}

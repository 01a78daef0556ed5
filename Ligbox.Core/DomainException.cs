namespace Ligbox.Core;

/// <summary>
/// An operation that the domain refuses (an illegal state transition, a duplicate, a rule broken).
/// The message is written for the technician who will read it; the API answers 409 with it.
/// </summary>
public class DomainException(string message) : Exception(message);

/// <summary>An entity that does not exist (the API answers 404).</summary>
public sealed class NotFoundException(string what, object id) : Exception($"{what} {id} was not found.")
{
    /// <summary>What was looked for ("Job"), so the message can be said in the reader's language (CoreText.Describe).</summary>
    public string What { get; } = what;

    public object Id { get; } = id;
}

/// <summary>
/// The caller may not touch this (someone else's upload, a right taken away); the API answers 403 with the
/// message. A <see cref="DomainException"/> so every page that shows refusals shows this one too.
/// </summary>
public sealed class ForbiddenException(string message) : DomainException(message);

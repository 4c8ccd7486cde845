// Recovery codes as the API gave them, once: each signs in once in place of the app's code.
export function RecoveryCodeList({ codes }: { codes: string[] }) {
  return (
    <div className="card" role="status" aria-labelledby="codes-heading">
      <h3 id="codes-heading">Your recovery codes</h3>
      <p>
        Keep them somewhere safe, away from your phone: each one signs you in once, in place of a code from your
        app.
      </p>
      <ul className="codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

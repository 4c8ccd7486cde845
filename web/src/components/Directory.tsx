// The group directory as the server reads it for the visitor: every group they may see, and
// theirs when signed in, at once.
import type { Group, Page } from "@/api/types";
import { groupsPath } from "@/lib/paths";
import { read, viewer } from "@/lib/server";
import { FailedRead } from "./FailedRead";
import { GroupDirectory } from "./GroupDirectory";

export async function Directory() {
  const [user, all, mine] = await Promise.all([
    viewer(),
    read<Page<Group>>(groupsPath("")),
    read<Page<Group>>(groupsPath("", true)),
  ]);
  return (
    <>
      <GroupDirectory
        key={user?.id ?? "nobody"}
        signedIn={user !== null}
        all={all.ok ? all.data : undefined}
        mine={user && mine.ok ? mine.data : undefined}
      />
      {!all.ok && <FailedRead status={all.status} body={all.body} />}
    </>
  );
}

import { NotFoundView } from "@/components/States";

export default function NotFound() {
  return <NotFoundView />;
}

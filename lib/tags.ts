/** Adds a construct's tags to every taggable resource below it (resource-level tags win on conflicts). */
import type { IConstruct } from 'constructs';
import { Aspects, type IAspect, TerraformResource } from 'cdktf';

interface Taggable {
  tags?: Record<string, string>;
  readonly tagsInput?: Record<string, string>;
}

class TagResources implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    // Generated resource classes expose `tagsInput` exactly when the resource type supports tags.
    if (!(node instanceof TerraformResource) || !('tagsInput' in node)) return;
    const taggable = node as unknown as Taggable;
    taggable.tags = { ...this.tags, ...(taggable.tagsInput ?? {}) };
  }
}

export function tagResources(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
  if (Object.keys(tags).length > 0) Aspects.of(scope).add(new TagResources(tags));
}

/** Adds a construct's tags to every taggable resource below it (resource-level tags win on conflicts). */
import type { IConstruct } from 'constructs';
import { Aspects, Fn, type IAspect, TerraformResource, Token, Tokenization } from 'cdktf';

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
    // Tags given as a Terraform expression (the module's variable) are merged by Terraform.
    taggable.tags = isExpression(this.tags)
      ? Token.asStringMap(taggable.tagsInput ? Fn.merge([this.tags, taggable.tagsInput]) : this.tags)
      : { ...this.tags, ...(taggable.tagsInput ?? {}) };
  }
}

export function tagResources(scope: IConstruct, tags: Readonly<Record<string, string>>): void {
  if (isExpression(tags) || Object.keys(tags).length > 0) Aspects.of(scope).add(new TagResources(tags));
}

/** Tags given as a Terraform expression (a token: the module's variable) rather than a literal map. */
export function isExpression(tags: unknown): boolean {
  return typeof tags === 'string' ? Token.isUnresolved(tags) : Tokenization.isResolvable(tags);
}

// @ballast/sdk: viem actions over every Ballast chain (getPosition, plan, execute). It lands with
// the SDK issue, on top of the contracts; until then the package only reserves its place in the
// workspace so the layout matches ARCHITECTURE.md section 11.
export {};

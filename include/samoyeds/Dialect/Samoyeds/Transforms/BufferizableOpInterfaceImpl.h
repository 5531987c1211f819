// External BufferizableOpInterface models of the samoyeds ops (route,
// dispatch, ssmm, combine; assemble as ssmm's weight).
#ifndef SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace samoyeds {

/// Attaches the models to the samoyeds ops when the dialect is loaded.
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);

} // namespace samoyeds
} // namespace mlir

#endif // SAMOYEDS_DIALECT_SAMOYEDS_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
